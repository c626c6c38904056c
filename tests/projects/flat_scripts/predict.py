import torch.nn.functional as F

from models import LogitsNet

model = LogitsNet().eval()


def predict(x):
    # Inference only: probabilities are what we want here.
    return F.softmax(model(x), dim=-1).argmax(-1)
