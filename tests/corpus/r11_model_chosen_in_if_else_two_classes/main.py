# Module-level training script; the discriminator class depends on a CLI flag, so netD
# is one of two (both buggy) classes. Each branch alone is detected today; the if/else
# union of two different classes is not.
import argparse

import torch
import torch.nn as nn

from network import _netD, _netD_CIFAR10

parser = argparse.ArgumentParser()
parser.add_argument("--dataset", default="cifar10")
opt = parser.parse_args()

if opt.dataset == "imagenet":
    netD = _netD(10)
else:
    netD = _netD_CIFAR10(10)

dis_criterion = nn.BCELoss()
aux_criterion = nn.NLLLoss()

for real, label in [(torch.randn(4, 64), torch.randint(0, 10, (4,)))]:
    netD.zero_grad()
    dis_label = torch.ones(real.size(0))
    dis_output, aux_output = netD(real)
    dis_errD_real = dis_criterion(dis_output, dis_label)
    aux_errD_real = aux_criterion(aux_output, label)
    (dis_errD_real + aux_errD_real).backward()
