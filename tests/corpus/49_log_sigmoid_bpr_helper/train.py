import torch

from losses import bpr_loss
from model import MatrixFactorization

model = MatrixFactorization(6040, 3706)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for users, pos_items, neg_items in triplet_loader:
    loss = bpr_loss(model(users, pos_items), model(users, neg_items))
    opt.zero_grad()
    loss.backward()
    opt.step()
