from model import MultiLabelNet
from trainer import MultiLabelTrainer

trainer = MultiLabelTrainer(MultiLabelNet())
for feats, targets in coco_feature_loader:
    trainer.train_step(feats, targets)
