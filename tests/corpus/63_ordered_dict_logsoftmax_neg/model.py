from collections import OrderedDict

import torch.nn as nn

classifier = nn.Sequential(OrderedDict([
    ("fc1", nn.Linear(25088, 4096)),
    ("relu", nn.ReLU()),
    ("drop", nn.Dropout(0.5)),
    ("fc2", nn.Linear(4096, 102)),
    ("output", nn.LogSoftmax(dim=1)),
]))
