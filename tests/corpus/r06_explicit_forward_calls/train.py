# Isolated gap from vinhkhuc/PyTorch-Mini-Tutorials@4ee3ccb (2_logistic_regression.py:25-26):
# both the model and the loss are invoked through an explicit .forward(...) call.
import torch

model = torch.nn.Sequential(torch.nn.Linear(784, 10), torch.nn.Softmax(dim=1))  # expect: TL001
loss = torch.nn.CrossEntropyLoss()
x = torch.randn(8, 784)
y = torch.randint(0, 10, (8,))
fx = model.forward(x)
output = loss.forward(fx, y)
