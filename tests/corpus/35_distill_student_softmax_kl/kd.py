import torch
import torch.nn as nn
import torch.nn.functional as F


class Distiller:
    def __init__(self, student, teacher, kl_loss, temperature=2.0):
        self.student = student
        self.teacher = teacher.eval()
        self.kl_loss = kl_loss
        self.T = temperature

    def loss(self, x):
        with torch.no_grad():
            t_probs = F.softmax(self.teacher(x) / self.T, dim=-1)
        s_probs = F.softmax(self.student(x) / self.T, dim=-1)  # expect: TL008
        return self.kl_loss(s_probs, t_probs) * self.T ** 2
