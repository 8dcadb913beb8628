"""Word lists the corpus generator draws titles, abstracts, authors and venues from.

Generated papers should read like the ML and alignment literature kb is built for, so that
theme tagging, search and title matching exercised against the stand-in meet text with the
same vocabulary (and the same near-collisions) as the real thing.
"""

ADJECTIVES = (
    "Scalable", "Robust", "Interpretable", "Efficient", "Adversarial", "Constitutional",
    "Hierarchical", "Causal", "Sparse", "Contrastive", "Bayesian", "Emergent", "Deceptive",
    "Corrigible", "Mechanistic", "Iterated", "Recursive", "Cooperative", "Multi-Agent",
    "Self-Supervised", "Offline", "Safe", "Verifiable", "Calibrated", "Faithful", "Honest",
    "Latent", "Provable", "Conservative", "Uncertainty-Aware", "Compositional", "Modular",
    "Decentralized", "Distributional", "Language-Conditioned", "Goal-Conditioned",
    "Model-Based", "Model-Free", "Low-Rank", "Steerable", "Transparent", "Tractable",
)
CONCEPTS = (
    "Reward Modeling", "Value Alignment", "Preference Learning", "Scalable Oversight",
    "Debate", "Iterated Amplification", "Interpretability", "Circuit Discovery",
    "Feature Attribution", "Goal Misgeneralization", "Specification Gaming", "Reward Hacking",
    "Distribution Shift", "Uncertainty Estimation", "Representation Learning",
    "Policy Optimization", "Language Models", "Transformers", "Attention Heads",
    "Sparse Autoencoders", "Probing Classifiers", "Model Editing", "Red Teaming",
    "Jailbreak Robustness", "Dangerous Capability Evaluations", "Scaling Laws",
    "Chain-of-Thought Reasoning", "In-Context Learning", "Mesa-Optimization",
    "Situational Awareness", "Power-Seeking Behavior", "Impact Regularization", "Corrigibility",
    "Inverse Reinforcement Learning", "Imitation Learning", "Cooperative AI",
    "Decision Theory", "Embedded Agency", "Logical Uncertainty", "Anomaly Detection",
    "Backdoor Detection", "Trojan Attacks", "Out-of-Distribution Detection",
    "Adversarial Examples", "Certified Robustness", "Formal Verification", "Value Learning",
    "Human Feedback", "Reinforcement Learning from Human Feedback", "Weak-to-Strong Generalization",
    "Eliciting Latent Knowledge", "Activation Steering", "Superposition", "Grokking",
    "Emergent Abilities", "Tool Use", "Agentic Planning", "Reward Model Overoptimization",
    "Sycophancy", "Truthfulness", "Calibration", "Honesty", "Deceptive Alignment",
    "Process Supervision", "Outcome Supervision", "Safe Exploration", "Constrained Policy Optimization",
    "Multi-Agent Coordination", "Mechanism Design", "Social Choice", "Preference Aggregation",
    "Model Organisms of Misalignment", "Unlearning", "Data Attribution", "Influence Functions",
    "Neural Network Pruning", "Lottery Tickets", "Double Descent", "Generalization Bounds",
)
DOMAINS = (
    "Large Language Models", "Reinforcement Learning Agents", "Vision Transformers",
    "Recommender Systems", "Autonomous Vehicles", "Multi-Agent Systems", "Code Generation",
    "Dialogue Systems", "Robotic Manipulation", "Text Classification", "Game Playing",
    "Open-Ended Environments", "Medical Diagnosis", "Mathematical Reasoning", "Protein Design",
)
PROPERTIES = (
    "Limits", "Robustness", "Sample Complexity", "Geometry", "Dynamics", "Emergence",
    "Fragility", "Brittleness", "Foundations", "Identifiability", "Convergence", "Stability",
    "Faithfulness", "Measurement", "Evaluation", "Failure Modes", "Risks", "Benefits",
)
METHODS = (
    "Contrastive Pretraining", "Self-Play", "Debate", "Recursive Reward Modeling",
    "Constitutional Training", "Rejection Sampling", "Direct Preference Optimization",
    "Proximal Policy Optimization", "Activation Patching", "Causal Scrubbing", "Dictionary Learning",
    "Linear Probes", "Bayesian Inference", "Ensembles", "Distillation", "Meta-Learning",
    "Curriculum Learning", "Adversarial Training", "Randomized Smoothing", "Interval Bound Propagation",
    "Game-Theoretic Analysis", "Counterfactual Reasoning", "Mutual Information Maximization",
)
ACRONYM_PARTS = ("AL", "SAF", "TRU", "VER", "OVR", "COR", "DEB", "CAL", "HON", "PRO", "STE",
                 "RED", "LAT", "MEC", "GEN", "ROB", "EVA", "AGI", "REW", "POL")
TITLE_PATTERNS = (
    "{adj} {concept} for {domain}",
    "Towards {adj} {concept}",
    "On the {prop} of {concept} in {domain}",
    "{concept} via {method}",
    "{acronym}: {adj} {concept} with {method}",
    "Learning {concept} from {method}",
    "When Does {concept} Fail? Evidence from {domain}",
    "A Survey of {concept}",
    "{concept} and {concept2}: A Theoretical Analysis",
    "{concept} and {concept2}: An Empirical Study",
    "Understanding {concept} in {domain}",
    "Measuring {concept} in {domain}",
    "{adj} {concept}",
    "Rethinking {concept} for {adj} {domain}",
    "Beyond {concept}: {adj} {concept2}",
    "The {prop} of {adj} {concept}",
)
ABSTRACT_OPENERS = (
    "{concept} is a central open problem for building safe and beneficial AI systems.",
    "As {domain} become more capable, {concept_l} becomes increasingly important.",
    "Recent work has highlighted the {prop_l} of {concept_l} in {domain_l}.",
    "Despite rapid progress, little is known about {concept_l} in {domain_l}.",
    "We study {concept_l} in the setting of {domain_l}.",
)
ABSTRACT_MIDDLES = (
    "We propose {acronym}, a {adj_l} approach to {concept2_l} based on {method_l}.",
    "We introduce a framework that connects {concept_l} to {concept2_l}.",
    "Our method combines {method_l} with {concept2_l} and requires no additional human labels.",
    "We formalize the problem and derive bounds on the {prop_l} of existing approaches.",
    "We collect a new benchmark of {n} tasks designed to probe {concept2_l}.",
)
ABSTRACT_RESULTS = (
    "Experiments on {domain_l} show that our approach improves {concept_l} by {pct}% over strong baselines.",
    "Empirically, {method_l} reduces failures by {pct}% while preserving task performance.",
    "We find that larger models exhibit more {concept2_l}, with effects growing predictably with scale.",
    "Our results suggest that {concept_l} can be detected reliably from internal activations.",
    "We release code and data to support further research on {concept2_l}.",
)
ABSTRACT_CLOSERS = (
    "We discuss implications for the alignment of future AI systems.",
    "These findings point to concrete directions for scalable oversight.",
    "We conclude with open problems and limitations.",
    "",
)
TLDR_PATTERNS = (
    "This paper proposes {acronym}, which uses {method_l} to improve {concept_l} in {domain_l}.",
    "A study of {concept_l} showing that {method_l} makes {domain_l} more {adj_l}.",
    "The authors show that {concept_l} emerges predictably with scale and can be mitigated with {method_l}.",
)
FIRST_NAMES = (
    "Alice", "Bob", "Carol", "David", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy",
    "Karl", "Laura", "Mallory", "Nina", "Oscar", "Peggy", "Quentin", "Rupert", "Sybil",
    "Trent", "Ursula", "Victor", "Wendy", "Xavier", "Yara", "Zoe", "Amir", "Beatriz",
    "Chen", "Dmitri", "Elif", "Fatima", "Gustavo", "Hiroshi", "Ingrid", "Jamal", "Kenji",
    "Leila", "Mateo", "Noor", "Olga", "Priya", "Ravi", "Sofia", "Tariq", "Uma", "Wei",
    "Yusuf", "Zhang", "Anika", "Benedikt", "Chiara", "Dario", "Esther", "Felix", "Greta",
    "Hannah", "Ilya", "Jonas", "Katja", "Lukas", "Mira", "Nikolai", "Paul", "Rosa", "Samuel",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Wang", "Li", "Zhang", "Liu", "Chen",
    "Yang", "Huang", "Zhao", "Wu", "Zhou", "Kumar", "Singh", "Sharma", "Patel", "Gupta",
    "Tanaka", "Suzuki", "Takahashi", "Watanabe", "Kim", "Park", "Choi", "Jung", "Kang",
    "Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann",
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Dubois", "Durand", "Leroy", "Moreau",
    "Ivanov", "Petrov", "Sokolov", "Novak", "Kowalski", "Nowak", "Jensen", "Hansen", "Larsen",
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Silva", "Santos", "Oliveira",
    "Costa", "Pereira", "Okafor", "Mensah", "Abubakar", "Haddad", "Nasser", "Cohen", "Levi",
)
#: (name, type, alternate names, publication types) for venues; "" is "no venue".
VENUES = (
    ("Neural Information Processing Systems", "conference", ["NeurIPS", "Neural Inf Process Syst"], ["Conference"]),
    ("International Conference on Machine Learning", "conference", ["ICML", "Int Conf Mach Learn"], ["Conference"]),
    ("International Conference on Learning Representations", "conference", ["ICLR", "Int Conf Learn Represent"], ["Conference"]),
    ("AAAI Conference on Artificial Intelligence", "conference", ["AAAI", "National Conference on Artificial Intelligence"], ["Conference"]),
    ("Annual Meeting of the Association for Computational Linguistics", "conference", ["ACL", "Annu Meet Assoc Comput Linguistics"], ["Conference"]),
    ("Conference on Empirical Methods in Natural Language Processing", "conference", ["EMNLP", "Empir Method Nat Lang Process"], ["Conference"]),
    ("arXiv.org", "journal", ["ArXiv"], ["JournalArticle"]),
    ("Journal of Machine Learning Research", "journal", ["J Mach Learn Res", "JMLR"], ["JournalArticle"]),
    ("Transactions on Machine Learning Research", "journal", ["TMLR", "Trans Mach Learn Res"], ["JournalArticle"]),
    ("Artificial Intelligence", "journal", ["Artif Intell"], ["JournalArticle"]),
    ("Minds and Machines", "journal", ["Minds Mach"], ["JournalArticle"]),
    ("Nature", "journal", ["Nature"], ["JournalArticle"]),
    ("AI Magazine", "journal", ["AI Mag"], ["JournalArticle"]),
    ("Conference on Uncertainty in Artificial Intelligence", "conference", ["UAI", "Conf Uncertain Artif Intell"], ["Conference"]),
    ("AAAI/ACM Conference on AI, Ethics, and Society", "conference", ["AIES"], ["Conference"]),
    ("Conference on Fairness, Accountability and Transparency", "conference", ["FAccT"], ["Conference"]),
)
FIELDS_OF_STUDY = ("Computer Science", "Mathematics", "Philosophy", "Psychology", "Economics")

# -- topics ------------------------------------------------------------------------------------
# The alignment topics are the themes of data/themes.toml (their phrases are the themes'
# keywords); these are the rest of the literature a crawl walks into: general machine learning,
# fields with nothing to do with alignment, and the generic method papers everybody cites.

#: Adjectives and methods that name no alignment theme, for papers outside the alignment topics
#: (the alignment topics draw from ADJECTIVES and METHODS above, whose words often do).
NEUTRAL_ADJECTIVES = (
    "Scalable", "Efficient", "Hierarchical", "Sparse", "Bayesian", "Lightweight", "Fast",
    "Distributed", "Adaptive", "Unified", "Simple", "Generalized", "Multi-Scale", "Dynamic",
    "Semi-Supervised", "Self-Supervised", "Parallel", "Accurate", "Data-Efficient", "Deep",
)
NEUTRAL_METHODS = (
    "Contrastive Pretraining", "Distillation", "Ensembles", "Data Augmentation", "Curriculum Learning",
    "Meta-Learning", "Graph Neural Networks", "Variational Inference", "Monte Carlo Sampling",
    "Gradient Boosting", "Convex Relaxation", "Spectral Methods", "Low-Rank Factorization",
    "Mixture of Experts", "Kernel Methods", "Active Learning",
)
NEUTRAL_CLOSERS = (
    "We conclude with limitations and directions for future work.",
    "Code and models are publicly available.",
    "",
)
#: (slug, group, share of generated papers, phrases, domains)
OTHER_TOPICS = (
    ("computer-vision", "ml", 9.0,
     ("Image Classification", "Object Detection", "Semantic Segmentation", "Image Synthesis",
      "Visual Recognition", "Video Understanding", "Pose Estimation", "Image Retrieval",
      "Depth Estimation", "Visual Tracking"),
     ("Natural Images", "Medical Images", "Satellite Imagery", "Video Streams", "Street Scenes")),
    ("natural-language-processing", "ml", 9.0,
     ("Machine Translation", "Question Answering", "Named Entity Recognition", "Text Summarization",
      "Sentiment Analysis", "Dependency Parsing", "Information Extraction", "Text Generation",
      "Cross-Lingual Transfer", "Reading Comprehension"),
     ("Low-Resource Languages", "News Articles", "Scientific Text", "Social Media", "Dialogue")),
    ("reinforcement-learning", "ml", 7.0,
     ("Policy Gradient Methods", "Exploration Bonuses", "Off-Policy Evaluation", "Model-Based Planning",
      "Value Function Approximation", "Hierarchical Control", "Multi-Task Policies",
      "Continuous Control", "Reward Shaping", "Sim-to-Real Transfer"),
     ("Atari Games", "Robotic Locomotion", "Board Games", "Continuous Control Suites", "Navigation")),
    ("optimization", "ml", 6.0,
     ("Stochastic Gradient Descent", "Learning Rate Schedules", "Second-Order Optimization",
      "Federated Optimization", "Adaptive Optimizers", "Gradient Clipping", "Batch Normalization",
      "Weight Decay", "Distributed Training", "Mixed-Precision Training"),
     ("Deep Networks", "Convex Problems", "Large Batches", "Edge Devices", "Clusters")),
    ("graph-learning", "ml", 5.0,
     ("Node Classification", "Link Prediction", "Graph Representation Learning", "Message Passing",
      "Knowledge Graph Completion", "Graph Pooling", "Molecular Property Prediction",
      "Community Detection", "Graph Generation", "Heterogeneous Graphs"),
     ("Citation Networks", "Social Networks", "Molecules", "Road Networks", "Knowledge Bases")),
    ("speech", "ml", 4.0,
     ("Speech Recognition", "Speaker Verification", "Text-to-Speech", "Voice Conversion",
      "Audio Tagging", "Keyword Spotting", "Speech Enhancement", "Spoken Language Understanding"),
     ("Noisy Speech", "Conversational Audio", "Podcasts", "Call Centers", "Music")),
    ("molecular-biology", "other", 5.0,
     ("Gene Expression", "Protein Folding", "Single-Cell Sequencing", "CRISPR Screening",
      "Transcription Factors", "Metabolic Pathways", "Epigenetic Regulation", "Cell Signaling"),
     ("Mouse Models", "Yeast", "Human Tissue", "Cancer Cell Lines", "Bacterial Cultures")),
    ("economics", "other", 4.0,
     ("Labor Markets", "Monetary Policy", "Auction Theory", "Consumer Demand", "Trade Networks",
      "Financial Contagion", "Tax Incidence", "Housing Prices"),
     ("Emerging Economies", "Panel Data", "Online Markets", "Rural Households", "Central Banks")),
    ("climate-science", "other", 3.0,
     ("Ocean Circulation", "Precipitation Extremes", "Sea Ice Decline", "Carbon Cycle Feedbacks",
      "Aerosol Forcing", "Drought Prediction", "Land Surface Models", "Permafrost Thaw"),
     ("Arctic Regions", "Tropical Forests", "Coastal Cities", "Monsoon Systems", "Reanalysis Data")),
    ("materials-science", "other", 3.0,
     ("Thin Film Growth", "Battery Electrodes", "Perovskite Solar Cells", "Grain Boundaries",
      "Polymer Composites", "Superconductivity", "Catalytic Surfaces", "Phase Stability"),
     ("Oxide Ceramics", "Metal Alloys", "Two-Dimensional Materials", "Nanoparticles", "Glasses")),
)
#: The share of generated papers spread over the alignment themes (the topics above add up to 55).
ALIGNMENT_SHARE = 40.0
#: Generic method and architecture papers every field cites (Adam, ResNet, the Transformer...):
#: titles of the generated hubs, most cited first.
HUB_TITLES = (
    "Adaptive Moment Estimation for Stochastic Optimization",
    "Deep Residual Learning with Identity Shortcuts",
    "Attention-Only Sequence Transduction Networks",
    "Few-Shot Learning with Very Large Autoregressive Language Models",
    "Bidirectional Pretraining of Deep Transformers for Language Understanding",
    "Dropout: Preventing Co-Adaptation of Feature Detectors",
    "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
    "Large-Scale Image Classification with Deep Convolutional Networks",
    "Long Short-Term Memory Networks for Sequence Modeling",
    "Proximal Policy Optimization Algorithms for Deep Control",
    "Human-Level Control through Deep Reinforcement Learning",
    "Generative Adversarial Networks",
    "Auto-Encoding Variational Bayes",
    "A Large-Scale Hierarchical Image Database",
    "Neural Machine Translation by Jointly Learning to Align and Translate",
    "Distributed Representations of Words and Phrases",
    "An Imperative-Style High-Performance Deep Learning Library",
    "Scikit-Style Machine Learning in Python",
    "Layer Normalization for Recurrent Networks",
    "Decoupled Weight Decay Regularization",
    "Very Deep Convolutional Networks for Large-Scale Image Recognition",
    "Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer",
    "Learning Transferable Visual Models from Natural Language Supervision",
    "Denoising Diffusion Probabilistic Models",
    "Graph Convolutional Networks for Semi-Supervised Classification",
    "Asynchronous Methods for Deep Reinforcement Learning",
    "Mastering the Game of Go with Deep Neural Networks and Tree Search",
    "Gaussian Error Linear Units",
    "Mixed Precision Training of Deep Networks",
    "Open Pretrained Transformer Language Models",
    "Efficient Estimation of Word Representations in Vector Space",
    "Rectified Linear Units Improve Restricted Boltzmann Machines",
    "Fully Convolutional Networks for Semantic Segmentation",
    "Faster Region Proposal Networks for Real-Time Object Detection",
    "An Image is Worth 16x16 Words: Transformers for Image Recognition",
    "Robustly Optimized Bidirectional Pretraining",
    "Sequence to Sequence Learning with Neural Networks",
    "Continuous Control with Deep Reinforcement Learning",
    "Soft Actor-Critic: Off-Policy Maximum Entropy Deep Reinforcement Learning",
    "Training Compute-Optimal Large Language Models",
)
