import torch

from model import PolicyNet


def reinforce_loss(policy, obs, actions, returns):
    probs = policy(obs)
    log_probs = torch.log(probs.clamp(min=1e-8))  # expect: TL006
    chosen = log_probs.gather(1, actions.unsqueeze(1)).squeeze(1)
    return -(chosen * returns).mean()


def update(policy, optimizer, batch):
    optimizer.zero_grad()
    loss = reinforce_loss(policy, batch["obs"], batch["actions"], batch["returns"])
    loss.backward()
    optimizer.step()


policy = PolicyNet()
opt = torch.optim.Adam(policy.parameters(), lr=1e-3)
for batch in rollouts:
    update(policy, opt, batch)
