import torch
import torch.nn as nn

from engine import run_epoch
from net import TextClassifier

VOCAB = 20000
EMBED = 64
NUM_CLASS = 4

model = TextClassifier(VOCAB, EMBED, NUM_CLASS)
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=5.0)

for epoch in range(1, 11):
    run_epoch(model, criterion, optimizer, dataloader, epoch)
