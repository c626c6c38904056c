import torch.nn as nn


def teacher_net(num_classes=10):
    return nn.Sequential(
        nn.Flatten(), nn.Linear(3072, 1200), nn.ReLU(), nn.Linear(1200, 1200), nn.ReLU(),
        nn.Linear(1200, num_classes),
    )


def student_net(num_classes=10):
    return nn.Sequential(nn.Flatten(), nn.Linear(3072, 200), nn.ReLU(), nn.Linear(200, num_classes))
