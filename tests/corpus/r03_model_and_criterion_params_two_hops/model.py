# Shape from Randl/MobileNetV2-pytorch@3518846 (model.py:177 log_softmax in forward;
# imagenet.py:129 CrossEntropyLoss; run.py:31 criterion(output, target)).
import torch.nn as nn
import torch.nn.functional as F


class MobileNet2(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)
        x = self.fc(x)
        return F.log_softmax(x, dim=1)  # expect: TL009
