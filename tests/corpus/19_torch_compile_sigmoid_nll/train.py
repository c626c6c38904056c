import torch
import torch.nn as nn

from model import PatchClassifier


class Trainer:
    def __init__(self, model, criterion, optimizer):
        self.model = torch.compile(model)
        self.criterion = criterion
        self.optimizer = optimizer

    def step(self, img, label):
        self.optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            scores = self.model(img)
        loss = self.criterion(scores, label)
        loss.backward()
        self.optimizer.step()


net = PatchClassifier()
trainer = Trainer(net, nn.NLLLoss(), torch.optim.AdamW(net.parameters(), lr=1e-3))
for img, label in loader:
    trainer.step(img, label)
