import torch
import torch.nn as nn
import torchvision

from kd import Distiller

teacher = torchvision.models.resnet50(weights="IMAGENET1K_V2")
student = torchvision.models.resnet18(num_classes=1000)
distiller = Distiller(student, teacher, nn.KLDivLoss(reduction="batchmean"), temperature=3.0)
opt = torch.optim.AdamW(student.parameters(), lr=1e-3)
for images, _ in loader:
    opt.zero_grad()
    distiller.loss(images).backward()
    opt.step()
