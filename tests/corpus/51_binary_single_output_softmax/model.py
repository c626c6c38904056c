import torch.nn as nn


class SpamClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim=64):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab_size, embed_dim)
        self.head = nn.Sequential(
            nn.Linear(embed_dim, 32),
            nn.ReLU(),
            nn.Linear(32, 1),
            nn.Softmax(dim=-1),  # expect: TL015
        )

    def forward(self, tokens, offsets):
        return self.head(self.embed(tokens, offsets)).squeeze(-1)
