import torch.nn as nn

from base_trainer import BaseTrainer


class ClassifierTrainer(BaseTrainer):
    def __init__(self, model, num_classes, **kwargs):
        super().__init__(model, nn.CrossEntropyLoss(), **kwargs)
        self.num_classes = num_classes

    def compute_loss(self, batch):
        images, targets = batch
        outputs = self.model(images)
        return self.criterion(outputs, targets)
