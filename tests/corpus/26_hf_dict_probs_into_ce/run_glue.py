import torch
import torch.nn.functional as F

from modeling import TinyEncoderForSequenceClassification


def training_loop(model, dataloader, optimizer, scheduler):
    model.train()
    for batch in dataloader:
        out = model(batch["input_ids"], attention_mask=batch["attention_mask"])
        loss = F.cross_entropy(out["probs"], batch["labels"])
        loss.backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()


model = TinyEncoderForSequenceClassification(num_labels=3)
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
scheduler = torch.optim.lr_scheduler.LinearLR(optimizer)
training_loop(model, train_dataloader, optimizer, scheduler)
