# Shape from Turoad/lanedet@2107090 (lanedet/models/heads/exist_head.py:32 torch.sigmoid;
# lanedet/models/heads/lane_seg.py:77,87 BCEWithLogitsLoss on output['exist']; issue #32).
# The head returns a dict; the parent head merges it with output.update(...); the loss is a
# separate method loss(self, output, batch) called by the detector with the forward's result.
# In the real code the heads are built through a registry from the config
# (build_head(exist, cfg)); here they are constructed directly.
import torch
from torch import nn


class ExistHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = torch.sigmoid(self.fc(x))  # expect: TL005
        return {'exist': x}


class Seg(nn.Module):
    def __init__(self):
        super().__init__()
        self.exist = ExistHead()

    def forward(self, x):
        output = {}
        output.update(self.exist(x))
        return output

    def loss(self, output, batch):
        criterion_exist = torch.nn.BCEWithLogitsLoss()
        return criterion_exist(output['exist'], batch['lane_exist'].float())


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = Seg()

    def forward(self, x, batch):
        out = self.heads(x)
        return self.heads.loss(out, batch)
