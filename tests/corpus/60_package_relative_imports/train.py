from classifier import build_model, fit

CFG = {"vocab": 50000, "n_classes": 14, "lr": 1e-3, "epochs": 5}

if __name__ == "__main__":
    fit(build_model(CFG), dbpedia_loader, CFG)
