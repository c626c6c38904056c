import torch
import torch.nn as nn
from torchvision import models

from model import classifier

model = models.vgg16(weights="DEFAULT")
for p in model.parameters():
    p.requires_grad = False
model.classifier = classifier

criterion = nn.NLLLoss()
optimizer = torch.optim.Adam(model.classifier.parameters(), lr=1e-3)


def train(model, criterion, optimizer, loader):
    model.train()
    for images, labels in loader:
        optimizer.zero_grad()
        logps = model.classifier(model.features(images).flatten(1))
        loss = criterion(logps, labels)
        loss.backward()
        optimizer.step()
        ps = torch.exp(logps)
        top_p, top_class = ps.topk(1, dim=1)


train(model, criterion, optimizer, trainloader)
