# Shape from nishnik/Deep-Semantic-Similarity-Model-PyTorch@c151847 (cdssm.py:91 softmax,
# :144 criterion(y_pred.resize(1, J+1), y); fixed in 2f7f606). Module-level script.
# The only thing hiding the flow is the (deprecated) Tensor.resize(...) reshape.
import torch
import torch.nn as nn
import torch.nn.functional as F

J = 4


class CDSSM(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(32, 16)
        self.learn_gamma = nn.Conv1d(1, 1, 1)

    def forward(self, q, docs):
        q = self.proj(q)
        dots = torch.stack([(q * self.proj(d)).sum() for d in docs])
        with_gamma = self.learn_gamma(dots.resize(J + 1, 1, 1))
        prob = F.softmax(with_gamma)  # expect: TL001, TL002
        return prob


model = CDSSM()
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
y = torch.zeros(1, dtype=torch.long)
for i in range(3):
    y_pred = model(torch.randn(32), [torch.randn(32) for _ in range(J + 1)])
    loss = criterion(y_pred.resize(1, J + 1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
