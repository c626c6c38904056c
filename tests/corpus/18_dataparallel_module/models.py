import torch.nn as nn


class VGGish(nn.Module):
    def __init__(self, num_classes=100):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(True), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(True), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(128 * 8 * 8, 512),
            nn.ReLU(True),
            nn.Linear(512, num_classes),
        )
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        out = self.classifier(self.features(x))
        return self.softmax(out)  # expect: TL001
