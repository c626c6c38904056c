# Real shape of AnubhavGupta3377/Text-Classification-Models-Pytorch@8571fe6 (Model_TextCNN/model.py:41,55,
# 60-61,84-86; Model_TextCNN/train.py:32-34). The loss is injected after construction through a
# setter method (model.add_loss_op(NLLLoss)) called from the training script, stored on self,
# and used in a model method run_epoch() that calls self.__call__(x).
import torch
import torch.nn as nn


class TextCNN(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, 32)
        self.fc = nn.Linear(32, 4)
        self.softmax = nn.Softmax()  # expect: TL002

    def forward(self, x):
        feats = self.embeddings(x).mean(0)
        final_out = self.fc(feats)
        return self.softmax(final_out)  # expect: TL004

    def add_optimizer(self, optimizer):
        self.optimizer = optimizer

    def add_loss_op(self, loss_op):
        self.loss_op = loss_op

    def run_epoch(self, train_iterator):
        for batch in train_iterator:
            self.optimizer.zero_grad()
            x = batch.text
            y = (batch.label - 1).type(torch.LongTensor)
            y_pred = self.__call__(x)
            loss = self.loss_op(y_pred, y)
            loss.backward()
            self.optimizer.step()
