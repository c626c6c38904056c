import torch
import torch.nn.functional as F

from utils import safe_log


def focal_loss(logits, target, gamma=2.0):
    probs = F.softmax(logits, dim=1)
    log_p = safe_log(probs).gather(1, target.unsqueeze(1)).squeeze(1)
    p_t = probs.gather(1, target.unsqueeze(1)).squeeze(1)
    return (-(1 - p_t) ** gamma * log_p).mean()
