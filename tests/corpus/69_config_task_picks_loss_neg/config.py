from types import SimpleNamespace

import torch.nn as nn


def load_config(task):
    if task == "multilabel":
        return SimpleNamespace(n_out=20, criterion=nn.BCEWithLogitsLoss(), sigmoid_output=True)
    return SimpleNamespace(n_out=20, criterion=nn.NLLLoss(), sigmoid_output=False)
