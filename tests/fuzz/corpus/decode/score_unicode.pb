
Je suis épuisée 😞Ça a l'air épuisant. 💙