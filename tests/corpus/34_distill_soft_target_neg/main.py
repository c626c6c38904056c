import torch

from distill import train_student
from models import student_net, teacher_net

teacher = teacher_net()
teacher.load_state_dict(torch.load("teacher.pt"))
student = student_net()
opt = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9)
for epoch in range(20):
    train_student(student, teacher, train_loader, opt)
