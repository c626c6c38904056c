import torch


def train(model, criterion, optimizer, loader, device="cpu"):
    model.train()
    running = 0.0
    for step, (images, labels) in enumerate(loader):
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        output = model(images)
        loss = criterion(output, labels)
        loss.backward()
        optimizer.step()
        running += loss.item()
        if step % 100 == 0:
            print(f"step {step}: loss {running / (step + 1):.4f}")
    return running / max(len(loader), 1)
