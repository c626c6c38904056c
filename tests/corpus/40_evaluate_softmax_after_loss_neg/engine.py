import torch
import torch.nn.functional as F


def train_one_epoch(model, criterion, optimizer, loader):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()


@torch.no_grad()
def evaluate(model, criterion, loader):
    model.eval()
    total_loss, correct, n = 0.0, 0, 0
    all_probs = []
    for x, y in loader:
        logits = model(x)
        total_loss += criterion(logits, y).item() * y.size(0)
        probs = F.softmax(logits, dim=1)
        all_probs.append(probs)
        correct += (probs.argmax(dim=1) == y).sum().item()
        n += y.size(0)
    return total_loss / n, correct / n, torch.cat(all_probs)
