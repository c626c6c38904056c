"""Train any model of the zoo by name: `python examples/train.py --model lstm`."""

import argparse

import torch
from torch.optim import Adam

from cropzoo.models import LSTM, TempCNN, MSResNet, InceptionTime, StarRNN, OmniScaleCNN, TransformerModel, PETransformerModel, GRUModel


def get_model(modelname, ndims, num_classes, device, **hyperparameter):
    modelname = modelname.lower()
    if modelname == "lstm":
        model = LSTM(input_dim=ndims, num_classes=num_classes, **hyperparameter).to(device)
    elif modelname == "tempcnn":
        model = TempCNN(input_dim=ndims, num_classes=num_classes, **hyperparameter).to(device)
    elif modelname == "msresnet":
        model = MSResNet(input_dim=ndims, num_classes=num_classes, **hyperparameter).to(device)
    elif modelname == "inceptiontime":
        model = InceptionTime(input_dim=ndims, num_classes=num_classes, **hyperparameter).to(device)
    elif modelname == "starrnn":
        model = StarRNN(input_dim=ndims, num_classes=num_classes, **hyperparameter).to(device)
    elif modelname == "omniscalecnn":
        model = OmniScaleCNN(input_dim=ndims, num_classes=num_classes, **hyperparameter).to(device)
    elif modelname == "transformer":
        model = TransformerModel(input_dim=ndims, num_classes=num_classes, **hyperparameter).to(device)
    elif modelname == "petransformer":
        model = PETransformerModel(input_dim=ndims, num_classes=num_classes, **hyperparameter).to(device)
    elif modelname == "gru":
        model = GRUModel(input_dim=ndims, num_classes=num_classes, **hyperparameter).to(device)
    else:
        raise ValueError(f"unknown model {modelname}")
    return model


def train_epoch(model, optimizer, criterion, dataloader, device):
    model.train()
    losses = []
    for x, y_true in dataloader:
        optimizer.zero_grad()
        loss = criterion(model.forward(x.to(device)), y_true.to(device))
        loss.backward()
        optimizer.step()
        losses.append(loss)
    return torch.stack(losses)


def test_epoch(model, criterion, dataloader, device):
    model.eval()
    with torch.no_grad():
        losses, predictions = [], []
        for x, y_true in dataloader:
            logprobabilities = model.forward(x.to(device))
            losses.append(criterion(logprobabilities, y_true.to(device)))
            predictions.append(logprobabilities.argmax(-1))
    return torch.stack(losses), torch.cat(predictions)


def train(args, traindataloader, testdataloader):
    device = torch.device(args.device)
    model = get_model(args.model, 13, 9, device)
    optimizer = Adam(model.parameters(), lr=args.learning_rate)
    criterion = torch.nn.CrossEntropyLoss(reduction="mean")
    for epoch in range(args.epochs):
        train_loss = train_epoch(model, optimizer, criterion, traindataloader, device)
        test_loss, predictions = test_epoch(model, criterion, testdataloader, device)
        print(f"epoch {epoch}: train {train_loss.mean():.2f}, test {test_loss.mean():.2f}")


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="lstm")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    return parser.parse_args()
