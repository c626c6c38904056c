def train_step(model, criterion, optimizer, batch):
    label, text, offsets = batch
    optimizer.zero_grad()
    predicted = model(text, offsets)
    loss = criterion(predicted, label)
    loss.backward()
    optimizer.step()
    return loss.item()


def run_epoch(model, criterion, optimizer, loader, epoch):
    total = 0.0
    for i, batch in enumerate(loader):
        total += train_step(model, criterion, optimizer, batch)
    print(f"epoch {epoch} | loss {total / len(loader):.3f}")
