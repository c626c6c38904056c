import torch
import torch.nn as nn

from modeling import TinyEncoderForSequenceClassification


def training_loop(model, dataloader, optimizer, loss_fct):
    model.train()
    for batch in dataloader:
        out = model(batch["input_ids"], attention_mask=batch["attention_mask"])
        loss = loss_fct(out["logits"].view(-1, 3), batch["labels"].view(-1))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


@torch.no_grad()
def evaluate(model, dataloader):
    confident = 0
    for batch in dataloader:
        out = model(batch["input_ids"])
        confident += (out["probs"].max(dim=-1).values > 0.9).sum().item()
    return confident


model = TinyEncoderForSequenceClassification(num_labels=3)
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
training_loop(model, train_dataloader, optimizer, nn.CrossEntropyLoss())
print(evaluate(model, eval_dataloader))
