# Trainer class: the criterion is a constructor argument (with a CE default) stored on self;
# the model is passed to train() and handed down through two private methods.
from torch.nn import CrossEntropyLoss


class SupervisedTrainer:
    def __init__(self, loss_func=CrossEntropyLoss(), batch_size=64):
        self.loss_func = loss_func
        self.batch_size = batch_size
        self.optimizer = None

    def _train_batch(self, context, responses, target, model):
        loss_func = self.loss_func
        outputs = model(context, responses)
        if len(outputs.size()) == 1:
            outputs = outputs.unsqueeze(0)
        loss = loss_func(outputs, target)
        model.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss

    def _train_epoches(self, data, model, n_epochs):
        for epoch in range(n_epochs):
            model.train(True)
            for context, responses, target in data:
                self._train_batch(context, responses, target, model)

    def train(self, model, data, num_epochs=5, optimizer=None):
        self.optimizer = optimizer
        self._train_epoches(data, model, num_epochs)
        return model
