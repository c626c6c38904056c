import torch
import torch.nn as nn

from model import Detector


def train(model, cls_loss, box_loss, loader):
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    for img, label, box in loader:
        logits, probs, pred_box = model(img)
        loss = cls_loss(logits, label) + box_loss(pred_box, box)
        opt.zero_grad()
        loss.backward()
        opt.step()
        keep = probs.max(dim=-1).values > 0.5
        print(keep.float().mean())


train(Detector(), nn.CrossEntropyLoss(), nn.SmoothL1Loss(), voc_loader)
