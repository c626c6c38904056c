# Shape from IBM/dstc7-noesis@b0f2d60 (noesis/networks/dual_encoder.py:161,196 final Softmax;
# noesis/trainers/supervised_trainer.py:24,32,49-55; noesis/sample.py:60,82-86). Issue #18.
import torch
import torch.nn as nn


class DualEncoder(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.context = nn.GRU(16, hidden, batch_first=True)
        self.response = nn.GRU(16, hidden, batch_first=True)
        self.M = nn.Parameter(torch.randn(hidden, hidden))
        self.final_layer = nn.Softmax()  # expect: TL002

    def forward(self, context, responses):
        _, h_c = self.context(context)
        _, h_r = self.response(responses)
        logits = torch.matmul(torch.matmul(h_c[-1], self.M), h_r[-1].t())
        output = self.final_layer(logits)  # expect: TL001
        return output
