import torch
import torch.nn as nn

from outputs import ClassifierOutput


class ImageClassifier(nn.Module):
    def __init__(self, num_classes=200):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, stride=2, padding=3), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(64, num_classes)

    def forward(self, pixel_values):
        feats = self.pool(self.stem(pixel_values)).flatten(1)
        logits = self.head(feats)
        probs = logits.softmax(dim=-1)  # expect: TL001
        return ClassifierOutput(logits=logits, probs=probs, hidden_states=feats)
