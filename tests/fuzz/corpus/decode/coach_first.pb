
ž
†After pausing my career for several years to start a family, it is time to go back to work, but I feel rusty, unmotivated and anxious."conv-12north8BenI've