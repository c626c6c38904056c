# Shape from mlelarge/graph_neural_net@e9bfc82 (toolbox/losses.py:10,26-31; fixed in 62c6240).
# The loss object is a default argument stored on self; the softmax output is a
# (bs, n, n) tensor that is iterated over, and each slice goes to the CE loss.
import torch
import torch.nn as nn


class triplet_loss(nn.Module):
    def __init__(self, loss_reduction="mean", loss=nn.CrossEntropyLoss(reduction="sum")):
        super().__init__()
        self.loss = loss
        if loss_reduction == "mean":
            self.increments = lambda new_loss, n_vertices: (new_loss, n_vertices)
        else:
            self.increments = lambda new_loss, n_vertices: (new_loss / n_vertices, 1)

    def forward(self, raw_scores, target_dummy):
        loss = 0
        total = 0
        outputs = torch.softmax(raw_scores, -1)  # expect: TL001
        for out in outputs:
            n_vertices = out.shape[0]
            target = torch.arange(n_vertices)
            incrs = self.increments(self.loss(out, target), n_vertices)
            loss += incrs[0]
            total += incrs[1]
        return loss / total
