from classifier_trainer import ClassifierTrainer
from resnet_small import SmallResNet

if __name__ == "__main__":
    trainer = ClassifierTrainer(SmallResNet(10), num_classes=10, epochs=30)
    trainer.train(cifar_loader)
