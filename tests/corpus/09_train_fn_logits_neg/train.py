def train(model, criterion, optimizer, loader):
    model.train()
    for images, labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()


def test(model, loader):
    model.eval()
    correct = 0
    for images, labels in loader:
        probs = model.predict(images)
        correct += (probs.argmax(dim=1) == labels).sum().item()
    return correct / len(loader.dataset)
