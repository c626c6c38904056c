import torch
import torch.nn as nn

from model import TreeNet


def train(model, criterion, optimizer, trees, epochs):
    if epochs == 0:
        return model
    for tree, label in trees:
        optimizer.zero_grad()
        loss = criterion(model(tree), label)
        loss.backward()
        optimizer.step()
    return train(model, criterion, optimizer, trees, epochs - 1)


def run_phase(model, criterion, optimizer, trees, phase):
    if phase >= 3:
        return model
    train(model, criterion, optimizer, trees, 2)
    return warmup_then_run(model, criterion, optimizer, trees, phase + 1)


def warmup_then_run(model, criterion, optimizer, trees, phase):
    for g in optimizer.param_groups:
        g["lr"] = 0.01 * (phase + 1)
    return run_phase(model, criterion, optimizer, trees, phase)


model = TreeNet()
opt = torch.optim.Adagrad(model.parameters(), lr=0.01)
run_phase(model, nn.CrossEntropyLoss(), opt, sst_trees, 0)
