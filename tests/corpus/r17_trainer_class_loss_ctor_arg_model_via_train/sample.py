import torch
from torch.nn import CrossEntropyLoss

from dual_encoder import DualEncoder
from supervised_trainer import SupervisedTrainer

if __name__ == "__main__":
    loss_func = CrossEntropyLoss()
    dual_encoder = DualEncoder()
    optimizer = torch.optim.Adam(dual_encoder.parameters())
    t = SupervisedTrainer(loss_func=loss_func, batch_size=1)
    t.train(dual_encoder, [], num_epochs=20, optimizer=optimizer)
