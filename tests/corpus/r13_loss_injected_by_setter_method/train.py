import torch.nn as nn
import torch.optim as optim

from model import TextCNN

if __name__ == "__main__":
    model = TextCNN(100)
    model.train()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    NLLLoss = nn.NLLLoss()
    model.add_optimizer(optimizer)
    model.add_loss_op(NLLLoss)
    for i in range(3):
        model.run_epoch([])
