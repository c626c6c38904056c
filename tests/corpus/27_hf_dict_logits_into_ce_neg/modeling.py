import torch.nn as nn
import torch.nn.functional as F


class TinyEncoderForSequenceClassification(nn.Module):
    def __init__(self, vocab_size=30522, hidden=256, num_labels=2):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, hidden)
        layer = nn.TransformerEncoderLayer(hidden, nhead=4, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)
        self.classifier = nn.Linear(hidden, num_labels)

    def forward(self, input_ids, attention_mask=None):
        hidden = self.encoder(self.embeddings(input_ids))
        logits = self.classifier(hidden[:, 0])
        return {"logits": logits, "probs": F.softmax(logits, dim=-1)}
