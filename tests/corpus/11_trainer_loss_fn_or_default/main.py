from networks import CharRNN
from trainer import Trainer

if __name__ == "__main__":
    rnn = CharRNN(vocab=57)
    trainer = Trainer(rnn)
    for epoch in range(5):
        print(epoch, trainer.train(name_loader))
