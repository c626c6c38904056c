import torch
import torch.nn as nn
import torch.nn.functional as F


class MeanTeacher:
    def __init__(self, student, teacher, criterion, ema=0.999):
        self.student = student
        self.teacher = teacher
        self.criterion = criterion
        self.ema = ema

    @torch.no_grad()
    def update_teacher(self):
        for t, s in zip(self.teacher.parameters(), self.student.parameters()):
            t.mul_(self.ema).add_(s.detach(), alpha=1 - self.ema)

    def step(self, x_weak, x_strong):
        with torch.no_grad():
            pseudo = torch.softmax(self.teacher(x_weak) / 0.5, dim=1)
        logits = self.student(x_strong)
        return self.criterion(logits, pseudo)


def build(num_classes=10):
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 512), nn.ReLU(), nn.Linear(512, num_classes))


student, teacher = build(), build()
teacher.load_state_dict(student.state_dict())
mt = MeanTeacher(student, teacher, nn.CrossEntropyLoss())
opt = torch.optim.SGD(student.parameters(), lr=0.03)
for weak, strong in unlabeled_loader:
    loss = mt.step(weak, strong)
    opt.zero_grad()
    loss.backward()
    opt.step()
    mt.update_teacher()
