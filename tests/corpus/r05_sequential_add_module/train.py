# Isolated gap from vinhkhuc/PyTorch-Mini-Tutorials@4ee3ccb (2_logistic_regression.py:11-13):
# the softmax layer is attached with Sequential.add_module(...) instead of the constructor.
import torch

model = torch.nn.Sequential()
model.add_module("linear", torch.nn.Linear(784, 10, bias=False))
model.add_module("softmax", torch.nn.Softmax(dim=1))  # expect: TL001
loss = torch.nn.CrossEntropyLoss()
x = torch.randn(8, 784)
y = torch.randint(0, 10, (8,))
output = loss(model(x), y)
