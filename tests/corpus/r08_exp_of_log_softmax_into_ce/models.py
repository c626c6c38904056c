# Shape from bowang-lab/Transformer-GCN-QA@f75a919 (src/models.py:177 LogSoftmax(dim=0) attribute,
# :288 masked_softmax = torch.exp(self.log_softmax(masked_max)), :293 CE on it; fixed in aca0dc1).
# exp(log_softmax(x)) is a softmax; CrossEntropyLoss then applies log_softmax again.
import torch
import torch.nn as nn


class CandidateScorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 1)
        self.log_softmax = nn.LogSoftmax(dim=0)

    def forward(self, feats, candidate_indices, target=None):
        logits = self.fc(feats).squeeze(-1)  # N candidates
        masked_max = torch.zeros(len(candidate_indices))
        for i, idxs in enumerate(candidate_indices.values()):
            if idxs:
                masked_max[i] = torch.max(logits[idxs])
        masked_softmax = torch.exp(self.log_softmax(masked_max))  # expect: TL001
        if target is not None:
            loss_fct = nn.CrossEntropyLoss()
            class_index = torch.argmax(target, 1)
            loss = loss_fct(masked_softmax.view(-1, len(candidate_indices)), class_index)
            return masked_softmax, loss
        return masked_softmax
