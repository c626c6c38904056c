import torch
import torch.nn.functional as F

from model import FlowerNet


@torch.no_grad()
def predict(model, images):
    model.eval()
    feats = model.features(images)
    flat = torch.flatten(feats, 1)
    scores = model.classifier(flat)
    probs = F.softmax(scores, dim=0)  # expect: TL013
    return probs.argmax(dim=1), probs


model = FlowerNet()
model.load_state_dict(torch.load("flowers.pt"))
labels, confidences = predict(model, test_images)
