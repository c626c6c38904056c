# Shape from hunkim/PyTorchZeroToAll@49cab2b (09_2_softmax_mnist.py:49-50; fixed by PR #4, 878a14c).
# ReLU on the final Linear, then log_softmax, then F.nll_loss: identical to cross_entropy on
# clipped logits. TL010 fires today for relu -> F.cross_entropy, but not for the
# equivalent relu -> log_softmax -> nll_loss. Model is a module-level global used in train().
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(784, 120)
        self.l5 = nn.Linear(120, 10)

    def forward(self, x):
        x = x.view(-1, 784)
        x = F.relu(self.l1(x))
        x = F.relu(self.l5(x))  # expect: TL010
        return F.log_softmax(x)  # expect: TL002


model = Net()


def train(train_loader, optimizer):
    model.train()
    for data, target in train_loader:
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
