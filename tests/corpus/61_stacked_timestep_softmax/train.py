import torch
import torch.nn as nn

from model import Seq2SeqDecoder


def train_batch(decoder, criterion, optimizer, h0, targets):
    optimizer.zero_grad()
    out = decoder(h0, targets)
    loss = criterion(out.reshape(-1, out.size(-1)), targets[:, 1:].reshape(-1))
    loss.backward()
    optimizer.step()
    return loss.item()


decoder = Seq2SeqDecoder(vocab=8000)
criterion = nn.CrossEntropyLoss(ignore_index=0)
optimizer = torch.optim.Adam(decoder.parameters())
for h0, targets in loader:
    train_batch(decoder, criterion, optimizer, h0, targets)
