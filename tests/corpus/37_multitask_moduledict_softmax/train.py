import torch
import torch.nn as nn

from model import MultiTaskNet

TASK_LOSSES = {
    "scene": nn.CrossEntropyLoss(),
    "weather": nn.CrossEntropyLoss(),
    "depth": nn.SmoothL1Loss(),
}
TASK_WEIGHTS = {"scene": 1.0, "weather": 0.5, "depth": 2.0}


def train(model, loader, optimizer):
    for x, targets in loader:
        outputs = model(x)
        loss = 0.0
        for task, criterion in TASK_LOSSES.items():
            loss = loss + TASK_WEIGHTS[task] * criterion(outputs[task], targets[task])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


model = MultiTaskNet()
train(model, loader, torch.optim.Adam(model.parameters(), lr=1e-4))
