# Shape from speedinghzl/Pytorch-Deeplab@7c1266c (deeplab/loss.py CrossEntropy2d; train.py:103-105;
# fixed in 42e75e0). A user loss module transposes, boolean-mask-indexes and reshapes the
# prediction before F.cross_entropy. (The real train.py is Python 2 and does not parse.)
import torch.nn as nn
import torch.nn.functional as F


class CrossEntropy2d(nn.Module):
    def __init__(self, ignore_label=255):
        super().__init__()
        self.ignore_label = ignore_label

    def forward(self, predict, target):
        n, c, h, w = predict.size()
        target_mask = (target >= 0) * (target != self.ignore_label)
        target = target[target_mask]
        predict = predict.transpose(1, 2).transpose(2, 3).contiguous()
        predict = predict[target_mask.view(n, h, w, 1).repeat(1, 1, 1, c)].view(-1, c)
        return F.cross_entropy(predict, target)
