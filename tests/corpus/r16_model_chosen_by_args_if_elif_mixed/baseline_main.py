# Near miss by design: three models chosen by CLI arguments disagree (log-probabilities,
# probabilities, raw scores), so the value reaching NLLLoss joins to unknown: precision first.
import argparse

import torch

from models import MLP, CNNFashion_Mnist, CNNMnist

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="cnn")
    parser.add_argument("--dataset", default="mnist")
    args = parser.parse_args()

    if args.model == "cnn":
        if args.dataset == "mnist":
            global_model = CNNMnist()
        elif args.dataset == "fmnist":
            global_model = CNNFashion_Mnist()
    elif args.model == "mlp":
        global_model = MLP(dim_in=784, dim_out=10)
    else:
        exit("Error: unrecognized model")

    global_model.to("cpu")
    global_model.train()
    optimizer = torch.optim.SGD(global_model.parameters(), lr=0.01, momentum=0.5)
    criterion = torch.nn.NLLLoss()
    for images, labels in [(torch.randn(4, 1, 28, 28), torch.randint(0, 10, (4,)))]:
        optimizer.zero_grad()
        outputs = global_model(images)
        loss = criterion(outputs, labels)  # the CNNFashion path feeds raw scores: silent, the three models disagree
        loss.backward()
        optimizer.step()
