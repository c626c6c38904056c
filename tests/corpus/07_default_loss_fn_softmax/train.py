import torch
import torch.nn.functional as F

from model import SpeechCommandNet


def train(model, loader, optimizer, epoch, loss_fn=F.cross_entropy):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        output = model(data)
        loss = loss_fn(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if batch_idx % 20 == 0:
            print(f"Train Epoch: {epoch} [{batch_idx}] Loss: {loss.item():.6f}")


model = SpeechCommandNet()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=0.0001)
for epoch in range(1, 3):
    train(model, train_loader, optimizer, epoch)
