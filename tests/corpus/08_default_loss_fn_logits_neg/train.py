import torch
import torch.nn.functional as F

from model import AudioNet


def train(model, loader, optimizer, loss_fn=F.cross_entropy):
    model.train()
    for data, target in loader:
        output = model(data)
        loss = loss_fn(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


@torch.no_grad()
def predict(model, loader):
    model.eval()
    preds = []
    for data, _ in loader:
        probs = model.predict_proba(data)
        preds.append(probs.argmax(dim=-1))
    return torch.cat(preds)


model = AudioNet()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
train(model, train_loader, optimizer)
predictions = predict(model, test_loader)
