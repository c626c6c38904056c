import torch.nn as nn


class SentimentHead(nn.Module):
    def __init__(self, d_model=768, n_labels=3):
        super().__init__()
        self.dropout = nn.Dropout(0.1)
        self.proj = nn.Linear(d_model, n_labels)
        self.act = nn.GELU()

    def forward(self, pooled):
        return self.act(self.proj(self.dropout(pooled)))  # expect: TL010
